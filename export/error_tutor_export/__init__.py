"""Export a trained LoRA adapter to GGUF for llama.cpp: merged and quantized, or as a GGUF adapter.

    error-tutor export runs/lora --out tutor.gguf --quant Q4_K_M
    error-tutor export runs/lora --out tutor-lora.gguf --adapter-only

Every export is verified by reading it back with llama.cpp (see ``verify``). The heavy
libraries (torch, transformers, peft, llama_cpp) are imported only when an export runs.
"""
