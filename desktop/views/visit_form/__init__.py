"""回访表 page: the header, questions, rating matrix, call script, signature, attachments and audit."""
