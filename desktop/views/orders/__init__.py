"""服务工单 page and the order dialog."""
