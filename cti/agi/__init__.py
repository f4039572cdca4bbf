"""FastAGI server and the IVR flow interpreter (the only package that speaks AGI)."""
