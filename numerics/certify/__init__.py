"""Certified results in ball arithmetic: the enclosure of the final ηλ and the threshold 2/η.

One module per concept: ``balls`` (ball helpers and outward decimal rounding), ``tail`` (the
tail lemma), ``enclosure`` (the enclosure driver) and ``threshold`` (the fixed line and its
threshold). Their public names are re-exported here.
"""
from ... import _lazy

__all__, __getattr__, __dir__ = _lazy.lazy_exports(__name__, {
    ".balls": ("PREC_MIN", "PREC_MAX", "check_prec_bits", "decimal_bound", "sci_up", "certified_digits"),
    ".tail": ("certify_tail", "certify_tail_planar", "TailCertificate"),
    ".enclosure": ("enclose_final_ntk", "planar_parameters", "Enclosure", "CertStatus", "ROUTES"),
    ".threshold": ("certify_threshold", "certify_stability", "fixed_line_polynomials", "fixed_line_jacobian",
                   "StabilityCertificate", "ThresholdCertificate", "Stability"),
})
