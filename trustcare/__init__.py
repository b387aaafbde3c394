"""TrustCare: a counselor's practice tool for trust-rebuilding work with couples."""

__version__ = "0.1.0"
