"""The reporting core: which visits count (``scope``), how an answer is read (``scale``) and
what each figure means (``metrics``). Every figure the product shows goes through it."""
