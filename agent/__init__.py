"""The taskloom desktop agent: capture, privacy on the device, a crash-safe spool, shipping.

Light on purpose (``pip install taskloom[agent]``): no pandas, scikit-learn or FastAPI.
"""

__version__ = "0.1.0"
