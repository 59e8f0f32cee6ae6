/** Tokens released before they expire (POST authentication/token/release), kept until they would have expired. */
export interface TokenRevocations {
  revoke(tokenId: string, expiresAt: Date): Promise<void>;
  isRevoked(tokenId: string): Promise<boolean>;
}

export const TOKEN_REVOCATIONS = Symbol('TokenRevocations');
