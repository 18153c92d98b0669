"""Tiny pipelines with seeded random weights, for tests and for trying the worker without a GPU: Qwen-Image
(the production target) and Stable Diffusion (the other family the loader takes).

Same classes as the real models (Qwen-Image: QwenImageTransformer2DModel, AutoencoderKLQwenImage, a
Qwen2.5-VL text encoder, a Qwen2 tokenizer; Stable Diffusion: UNet2DConditionModel, AutoencoderKL, a CLIP
text encoder and tokenizer), a few narrow layers, saved with save_pretrained: the worker loads them through
exactly the code path a real model takes. Their images are noise. The tokenizers are built in memory
(byte-level, no merges), so nothing is downloaded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from gpu_worker.inference import loader  # noqa: F401  (sets the offline switches before diffusers is imported)

SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


def _qwen_tokenizer() -> object:
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

    tokenizer = _qwen_tokenizer()
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


def _clip_tokenizer() -> object:
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    # CLIP's BPE marks a word's last piece with "</w>": every byte needs both forms to encode any text.
    alphabet = sorted(pre_tokenizers.ByteLevel.alphabet())
    pieces = [*alphabet, *(f"{char}</w>" for char in alphabet), "<|startoftext|>", "<|endoftext|>"]
    # 77 tokens, as every released Stable Diffusion: the pipeline pads prompts to model_max_length.
    return CLIPTokenizer(vocab={piece: index for index, piece in enumerate(pieces)}, merges=[], model_max_length=77)


def build_tiny_stable_diffusion(directory: Path, *, seed: int = 0) -> Path:
    """Writes a tiny Stable Diffusion 1.x-shaped pipeline to `directory`; the same seed writes the same weights."""
    from diffusers import AutoencoderKL, DDIMScheduler, StableDiffusionPipeline, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    tokenizer = _clip_tokenizer()
    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        sample_size=8,
        in_channels=4,  # a plain text-to-image UNet: the legacy inpaint pipeline blends the mask in latent space
        out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        block_out_channels=(16, 32),
        layers_per_block=1,
        norm_num_groups=8,
        cross_attention_dim=16,
        attention_head_dim=8,
    )
    # Four blocks: three downsamplings, the 8× of every Stable Diffusion VAE (the pipeline derives its
    # vae_scale_factor, and the API its size multiple of 8, from that).
    vae = AutoencoderKL(
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 4,
        up_block_types=("UpDecoderBlock2D",) * 4,
        block_out_channels=(8, 8, 16, 16),
        layers_per_block=1,
        norm_num_groups=8,
        latent_channels=4,
        sample_size=64,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer),  # type: ignore[arg-type]
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            max_position_embeddings=77,
            bos_token_id=tokenizer.bos_token_id,  # type: ignore[attr-defined]
            eos_token_id=tokenizer.eos_token_id,  # type: ignore[attr-defined]
            pad_token_id=tokenizer.pad_token_id,  # type: ignore[attr-defined]
        )
    ).eval()
    # Stable Diffusion 1.x's own scheduler settings.
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    # No safety checker: it is a separate image classifier (shipped with real checkpoints), not part of
    # generating; an operator who wants one puts it in the real model's directory.
    pipeline = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    directory.mkdir(parents=True, exist_ok=True)
    pipeline.save_pretrained(str(directory))
    return directory


# The families `manage.py make_tiny_model --family` offers (the command lists the same names, without torch).
TINY_MODEL_BUILDERS: dict[str, Callable[..., Path]] = {
    "qwen-image": build_tiny_qwen_image,
    "stable-diffusion": build_tiny_stable_diffusion,
}
