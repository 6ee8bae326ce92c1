/* altscaledgd.h — the alternating scaled step, which altmin takes too (with
 * η = 1, λ its ridge) on the identity operator. */
#ifndef MFD_ALTSCALEDGD_H
#define MFD_ALTSCALEDGD_H

#include "scaledgd.h"

/* F ← F − η ∇_F f (GᵀG + λI)⁻¹; re-evaluate at the new F; G ← G − η ∇_G f
 * (FᵀF + λI)⁻¹ with the new F.  A singular preconditioner in the G half
 * undoes the F half: the factors stay as they were. */
mfd_status mfd_altscaledgd_alternate(mfd_scaledgd_ws *ws, double eta, double lambda, mfd_stop *stop);

#endif
