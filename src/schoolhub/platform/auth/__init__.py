"""Authentication primitives: password hashes, access tokens, opaque refresh tokens."""
