"""The reporting core: which visits count (``scope``), how an answer is read (``scale``) and
what each figure means (``metrics``), the periods, the scores and the statistics built on them,
invalid visits (``quality``) and the problem analysis (``problems``, with ``remarks`` reading a
customer's words and ``problem_tags`` tagging them). Every figure the product shows goes through it."""
