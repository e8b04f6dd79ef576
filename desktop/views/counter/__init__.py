"""柜台自助: the customer-facing counter screen and its staff panel."""
