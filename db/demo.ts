/** The demo seed's accounts (db/seed.ts): their shared password and the domain of their emails. */
export const DEMO_PASSWORD = 'roadshow-demo'
export const DEMO_EMAIL_DOMAIN = 'roadshow.demo'
