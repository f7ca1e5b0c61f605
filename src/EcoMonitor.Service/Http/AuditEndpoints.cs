using System.Buffers;
using System.Globalization;
using System.Text.Json;
using EcoMonitor.Audit.Log;
using EcoMonitor.Core.Audit;

namespace EcoMonitor.Service.Http;

/// <summary>
/// The log's public, read-only surface (docs/audit.md#http): the latest signed checkpoint, entries
/// with the exact leaf bytes, and inclusion and consistency proofs, so that a verifier needs
/// nothing but RFC 6962 and the log's verifier key. 404 while auditing is off.
/// </summary>
public static class AuditEndpoints
{
    /// <summary>Most entries one request returns: a client pages with <c>start</c>.</summary>
    public const int MaxEntries = 1000;

    public static IEndpointRouteBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/audit/checkpoint", (IAuditTrail trail) =>
            trail is AuditLog { LatestCheckpoint: { } note }
                ? Results.Text(note, "text/plain; charset=utf-8")
                : NotAuditing(trail, "no checkpoint yet")).AllowAnonymous();

        app.MapGet("/api/audit/entries", (IAuditTrail trail, string? start, string? count) =>
        {
            if (trail is not AuditLog log)
            {
                return NotAuditing(trail, null);
            }

            if (!TryParse(start, 0, out var first) || !TryParse(count, 100, out var wanted) || wanted is 0 or > MaxEntries)
            {
                return Refused($"start must be a whole number and count 1 to {MaxEntries}");
            }

            if (first > log.Size)
            {
                return Refused(string.Create(CultureInfo.InvariantCulture, $"start is past the end of the log ({log.Size} entries)"));
            }

            return Json(writer =>
            {
                writer.WriteStartObject();
                writer.WriteNumber("size", log.Size);
                writer.WriteStartArray("entries");
                foreach (var entry in log.Entries(first, (int)wanted))
                {
                    writer.WriteStartObject();
                    writer.WriteNumber("index", entry.Index);
                    writer.WriteBase64String("leaf", entry.Leaf);
                    writer.WritePropertyName("record");
                    writer.WriteRawValue(entry.Leaf, skipInputValidation: true);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            });
        }).AllowAnonymous();

        app.MapGet("/api/audit/proof/inclusion", (IAuditTrail trail, string? index, string? size) =>
        {
            if (trail is not AuditLog log)
            {
                return NotAuditing(trail, null);
            }

            if (!TryParse(index, null, out var i) || !TryParse(size, log.Size, out var n) || i >= n || n > log.Size)
            {
                return Refused(string.Create(CultureInfo.InvariantCulture, $"index and size must be whole numbers with index < size ≤ {log.Size}"));
            }

            return Hashes(log.Inclusion(i, n).Path);
        }).AllowAnonymous();

        app.MapGet("/api/audit/proof/consistency", (IAuditTrail trail, string? from, string? to) =>
        {
            if (trail is not AuditLog log)
            {
                return NotAuditing(trail, null);
            }

            if (!TryParse(from, null, out var m) || !TryParse(to, log.Size, out var n) || m == 0 || m > n || n > log.Size)
            {
                return Refused(string.Create(CultureInfo.InvariantCulture, $"from and to must be whole numbers with 0 < from ≤ to ≤ {log.Size}"));
            }

            return Hashes(log.Consistency(m, n).Path);
        }).AllowAnonymous();
        return app;
    }

    private static IResult Hashes(IReadOnlyList<byte[]> path) => Json(writer =>
    {
        writer.WriteStartObject();
        writer.WriteStartArray("hashes");
        foreach (var hash in path)
        {
            writer.WriteBase64StringValue(hash);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    });

    private static IResult Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        return Results.Bytes(buffer.WrittenSpan.ToArray(), "application/json");
    }

    /// <summary>A missing parameter takes <paramref name="fallback"/>; null means it is required.</summary>
    private static bool TryParse(string? text, ulong? fallback, out ulong value)
    {
        if (string.IsNullOrEmpty(text))
        {
            value = fallback ?? 0;
            return fallback is not null;
        }

        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static IResult Refused(string detail) => Results.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "bad audit request");

    private static IResult NotAuditing(IAuditTrail trail, string? otherwise) =>
        Results.Problem(trail.Enabled ? otherwise : "auditing is off (Audit:SigningKeyFile is not set)", statusCode: StatusCodes.Status404NotFound);
}
