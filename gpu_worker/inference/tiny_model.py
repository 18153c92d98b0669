"""A tiny Qwen-Image pipeline with seeded random weights, for tests and for trying the worker without a GPU.

Same classes as the real model (QwenImageTransformer2DModel, AutoencoderKLQwenImage, a Qwen2.5-VL text
encoder, a Qwen2 tokenizer), a few layers of width 16, saved with save_pretrained: the worker loads it
through exactly the code path a real model takes. Its images are noise. The tokenizer is built in memory
(byte-level, no merges), so nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path

import torch

from gpu_worker.inference import loader  # noqa: F401  (sets the offline switches before diffusers is imported)

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


def _tokenizer() -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from transformers import Qwen2TokenizerFast

    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())  # one token per byte: any text can be encoded
    backend = Tokenizer(models.BPE(vocab={char: index for index, char in enumerate(alphabet)}, merges=[]))
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    backend.decoder = decoders.ByteLevel()
    tokenizer = Qwen2TokenizerFast(
        tokenizer_object=backend,
        unk_token=None,
        bos_token=None,
        eos_token=SPECIAL_TOKENS[0],
        pad_token=SPECIAL_TOKENS[0],
    )
    tokenizer.add_special_tokens({"additional_special_tokens": list(SPECIAL_TOKENS[1:])})
    return tokenizer


def build_tiny_qwen_image(directory: Path, *, seed: int = 0) -> Path:
    """Writes the tiny pipeline to `directory` (created); the same seed writes the same weights."""
    from diffusers import (
        AutoencoderKLQwenImage,
        FlowMatchEulerDiscreteScheduler,
        QwenImagePipeline,
        QwenImageTransformer2DModel,
    )
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    tokenizer = _tokenizer()
    vocab_size = len(tokenizer)  # type: ignore[arg-type]
    torch.manual_seed(seed)
    transformer = QwenImageTransformer2DModel(
        patch_size=2,
        in_channels=16,
        out_channels=4,
        num_layers=2,
        attention_head_dim=16,
        num_attention_heads=3,
        joint_attention_dim=16,
        guidance_embeds=False,
        axes_dims_rope=(8, 4, 4),
    )
    vae = AutoencoderKLQwenImage(
        base_dim=24,
        z_dim=4,
        dim_mult=[1, 2, 4],
        num_res_blocks=1,
        temperal_downsample=[False, True],
        latents_mean=[0.0] * 4,
        latents_std=[1.0] * 4,
    )
    text_config = {
        "hidden_size": 16,
        "intermediate_size": 16,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "num_key_value_heads": 2,
        "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
        "rope_theta": 1_000_000.0,
        "vocab_size": vocab_size,
        "eos_token_id": tokenizer.eos_token_id,  # type: ignore[attr-defined]
        "pad_token_id": tokenizer.pad_token_id,  # type: ignore[attr-defined]
    }
    vision_config = {"depth": 2, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2, "out_hidden_size": 16}
    config = Qwen2_5_VLConfig(
        text_config=text_config, vision_config=vision_config, hidden_size=16, vocab_size=vocab_size
    )
    text_encoder = Qwen2_5_VLForConditionalGeneration(config).eval()
    pipeline = QwenImagePipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
    )
    directory.mkdir(parents=True, exist_ok=True)
    pipeline.save_pretrained(str(directory))
    return directory
