namespace EcoMonitor.Core.Decoding;

/// <summary>Everything a decoder needs for one message.</summary>
public sealed record DecodeContext(IncomingMessage Message, SubscriptionProfile Profile, DecoderLimits Limits);
