CREATE TABLE "phone_lookup_allowances" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"tokens" double precision NOT NULL,
	"refilled_at" timestamp with time zone NOT NULL,
	"taken" boolean NOT NULL
);
--> statement-breakpoint
ALTER TABLE "phone_lookup_allowances" ADD CONSTRAINT "phone_lookup_allowances_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;