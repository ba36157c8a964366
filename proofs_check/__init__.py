"""Claims, the verification report and the command line of sorm.

Each claim states one result of the paper or of the derivations here, names its source and holds it
to evidence from :mod:`sorm.theory` and :mod:`sorm.numerics`. ``sorm verify`` runs them all.
"""
