"""回访通 (HuiFang): after-sales follow-up visits and customer satisfaction for small businesses."""

__version__ = "0.1.0"
APP_NAME = "回访通"
APP_ID = "HuiFang"
