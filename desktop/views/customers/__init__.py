"""客户 page and the customer dialog."""
