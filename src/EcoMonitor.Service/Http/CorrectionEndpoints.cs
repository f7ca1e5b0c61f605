using System.Globalization;
using EcoMonitor.Core.Audit;
using EcoMonitor.Core.Readings;
using EcoMonitor.Ingest.Storage.Corrections;
using EcoMonitor.Service.Auth;

namespace EcoMonitor.Service.Http;

/// <summary>
/// <c>POST /api/readings/corrections</c> (docs/http.md#corrections, docs/audit.md#corrections): an
/// officer changes one stored value and says why; the <c>correction</c> record is durable before
/// the answer. Refused while auditing is off, since the change would then be silent.
/// </summary>
public static class CorrectionEndpoints
{
    public const int MaxReasonLength = 1000;

    private const string Shape = """{"kind": "air|water|soil", "site": "…", "device": "…", "metric": "…", "time": "RFC 3339, the point's time", "value": 1.5, "reason": "why (required)", "by": "who (with the API token; a login records the officer)"}""";

    public static WebApplication MapCorrectionEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPost("/api/readings/corrections", async (HttpContext http, ReadingCorrector corrector, CancellationToken ct) =>
        {
            var (body, problem) = await ApiAuthorization.ReadJsonAsync<CorrectionBody>(http.Request, Shape, ct);
            if (problem is not null)
            {
                return problem;
            }

            var (by, refused) = ApiAuthorization.AuthorOf(http, body!.By, "by", AlertEndpoints.MaxByLength);
            if (refused is not null)
            {
                return refused;
            }

            if (Validate(body) is { } why)
            {
                return Results.Problem($"{why}. Body: {Shape}", statusCode: StatusCodes.Status400BadRequest);
            }

            SensorKinds.TryParse(body.Kind, out var kind);
            var request = new CorrectionRequest(kind, body.Site!, body.Device!, body.Metric!, body.Time!.Value, body.Value!.Value, by!, body.Reason!.Trim());
            CorrectionResult result;
            try
            {
                result = await corrector.CorrectAsync(request, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return Results.Problem($"the correction was not completed: {ex.Message}", statusCode: StatusCodes.Status503ServiceUnavailable);
            }

            return result.Status switch
            {
                CorrectionStatus.Corrected => Results.Json(new
                {
                    index = result.Index,
                    old = result.Correction!.Old,
                    @new = result.Correction.New,
                    by = result.Correction.By,
                }),
                CorrectionStatus.Unchanged => Results.Problem("the store already holds that value: nothing to correct", statusCode: StatusCodes.Status409Conflict),
                CorrectionStatus.NotAudited => Results.Problem("corrections are logged in the audit log, and auditing is off (Audit:SigningKeyFile): a correction would be silent", statusCode: StatusCodes.Status409Conflict),
                _ => Results.Problem($"the store holds no {request.Kind.ToName()} {request.Metric} of {request.Site}/{request.Device} at {CanonicalJson.FormatTime(request.Time)}", statusCode: StatusCodes.Status404NotFound),
            };
        }).RequireAuthorization(AuthPolicies.Act);

        return app;
    }

    private static string? Validate(CorrectionBody body)
    {
        if (!SensorKinds.TryParse(body.Kind, out _))
        {
            return "kind: air, water or soil";
        }

        foreach (var (name, value) in new[] { ("site", body.Site), ("device", body.Device) })
        {
            if (!SensorIdentifiers.IsValid(value))
            {
                return $"{name}: a site or device id";
            }
        }

        if (body.Metric is not { Length: > 0 and <= 64 })
        {
            return "metric: the metric's name";
        }

        if (body.Time is null)
        {
            return "time: the stored point's time";
        }

        if (body.Value is not { } number || !double.IsFinite(number))
        {
            return "value: a finite number";
        }

        return string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > MaxReasonLength
            ? string.Create(CultureInfo.InvariantCulture, $"reason: 1–{MaxReasonLength} characters (why the value is corrected; it is logged)")
            : null;
    }
}

public sealed record CorrectionBody(string? Kind, string? Site, string? Device, string? Metric, DateTimeOffset? Time, double? Value, string? Reason, string? By);
