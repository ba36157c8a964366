"""Certified results in ball arithmetic: the enclosure of the final ηλ and the threshold 2/η."""
from ... import _lazy

__all__, __getattr__, __dir__ = _lazy.lazy_exports(__name__, {
    ".enclosure": ("enclose_final_ntk", "certify_threshold", "certify_stability", "certify_tail",
                   "certify_tail_planar", "Enclosure", "TailCertificate", "StabilityCertificate",
                   "ThresholdCertificate", "CertStatus", "Stability"),
})
