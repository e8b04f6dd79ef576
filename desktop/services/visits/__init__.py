"""The visit itself: saving the 回访表, templates, the printed form's data, codes, signatures, attachments, the automatic draft."""
