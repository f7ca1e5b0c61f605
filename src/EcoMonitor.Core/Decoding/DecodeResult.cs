using EcoMonitor.Core.DeadLetters;

namespace EcoMonitor.Core.Decoding;

/// <summary>What a decoder made of one message: the readings it found and what it refused.</summary>
public sealed class DecodeResult
{
    public List<DecodedReading> Readings { get; } = [];

    public List<Rejection> Rejections { get; } = [];

    /// <summary>
    /// The format carries no device time, so the decoder stamped every reading with the receive
    /// time (Sensor.Community): counted like readings stamped under the ReceiveTime policy.
    /// </summary>
    public bool StampedAtReceipt { get; set; }

    /// <summary>The format that decoded the message (what <c>auto</c> picked), when one did.</summary>
    public string? Format { get; set; }

    public static DecodeResult Rejected(string code, string reason) => Rejected(new Rejection(code, reason));

    public static DecodeResult Rejected(Rejection rejection)
    {
        var result = new DecodeResult();
        result.Rejections.Add(rejection);
        return result;
    }
}
