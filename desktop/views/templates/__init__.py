"""问卷模板 page and its question dialog."""
