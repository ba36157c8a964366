"""Claim modules: importing one registers its claims with proofs_check.registry."""
