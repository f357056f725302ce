"""An OpenAI-compatible chat endpoint (vLLM, Ollama, llama.cpp server), from settings."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from django.conf import settings


class LLMError(Exception):
    pass


@dataclass
class ChatClient:
    base_url: str
    model: str
    api_key: str = ""
    timeout_s: float = 60

    @classmethod
    def from_settings(cls) -> ChatClient | None:
        if not settings.LLM_BASE_URL:
            return None
        return cls(
            settings.LLM_BASE_URL.rstrip("/"),
            settings.LLM_MODEL or "default",
            settings.LLM_API_KEY,
            settings.LLM_TIMEOUT_S,
        )

    def chat(self, messages: list[dict], max_tokens: int = 400) -> str:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.post(
                f"{self.base_url}/chat/completions",
                json={
                    "model": self.model,
                    "messages": messages,
                    "temperature": 0,
                    "max_tokens": max_tokens,
                },
                headers=headers,
                timeout=self.timeout_s,
            )
            response.raise_for_status()
            return response.json()["choices"][0]["message"]["content"] or ""
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as error:
            raise LLMError(f"{type(error).__name__}: {error}") from error
