import { z } from 'zod'

export const LoginSchema = z.object({
  email: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').email('validation.email').max(200),
  password: z.string({ error: 'validation.required' }).min(1, 'validation.required').max(200, 'validation.tooLong?max=200'),
  redirectTo: z.string().optional(),
})

export const PasswordChangeSchema = z
  .object({
    currentPassword: z.string({ error: 'validation.required' }).min(1, 'validation.required'),
    newPassword: z
      .string({ error: 'validation.required' })
      .min(10, 'validation.tooShort?min=10')
      .max(200, 'validation.tooLong?max=200'),
    confirmPassword: z.string({ error: 'validation.required' }).min(1, 'validation.required'),
  })
  .refine((v) => v.newPassword === v.confirmPassword, { path: ['confirmPassword'], message: 'account.mismatch' })
