"""Error Tutor's model work: training data, fine-tuning and evaluation (``error-tutor data|train|eval``)."""
