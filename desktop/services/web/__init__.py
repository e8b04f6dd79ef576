"""扫码评价: the phone page the app serves on the shop's own network."""
