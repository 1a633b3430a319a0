// The limit a decision is measured against, and utilisation against it.
import type { CreditProfile } from './state.ts';

export interface Limit {
  creditLimit: number;
  /** The temporary limit in force at the event time, 0 if none. */
  tempLimit: number;
  effectiveLimit: number;
}

/** The limit at event time `at`; null without a profile (no limit to measure against). */
export function limitAt(profile: CreditProfile | null, at: number): Limit | null {
  if (profile === null) return null;
  const temp = profile.tempLimit ?? 0;
  const inForce = profile.tempLimitExpiresAt === null || at < profile.tempLimitExpiresAt;
  const tempLimit = inForce ? temp : 0;
  return { creditLimit: profile.creditLimit, tempLimit, effectiveLimit: profile.creditLimit + tempLimit };
}

/**
 * When the customer's temporary limit expires, if its clock (`watermark`) has not reached that yet; null when
 * there is no such expiry to come. The adapter indexes customers by it, so a business-date tick past it reaches them.
 */
export function pendingExpiry(profile: CreditProfile | null, watermark: number): number | null {
  const expiresAt = profile?.tempLimitExpiresAt ?? null;
  if (expiresAt === null || !profile?.tempLimit || expiresAt <= watermark) return null;
  return expiresAt;
}

/** exposure * 10000 / limit, truncated, exact for any safe integers; 0 when the limit is 0 (the contract's rule). */
export function utilizationBasisPoints(exposure: number, effectiveLimit: number): number {
  if (effectiveLimit === 0) return 0;
  return Number((BigInt(exposure) * 10_000n) / BigInt(effectiveLimit));
}

/** The highest band (percent) the utilisation reaches, 0 when below every band. */
export function bandReached(basisPoints: number, bands: readonly number[]): number {
  let reached = 0;
  for (const band of bands) if (basisPoints >= band * 100) reached = band;
  return reached;
}
