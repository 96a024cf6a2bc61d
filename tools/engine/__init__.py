"""The offline engine the commands share: the mock runtime and its recording monitor (mockrun,
mockstate), the Analyzer-protocol driver of the policy pack (analyzer), and the provider answers
(fixtures/)."""
