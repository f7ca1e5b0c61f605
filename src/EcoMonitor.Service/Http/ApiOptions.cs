using Microsoft.Extensions.Options;

namespace EcoMonitor.Service.Http;

/// <summary>
/// Section <c>Api</c>: the bearer token of the API for scripts, which may read and write
/// (docs/auth.md#policies). Without a token only a logged-in officer writes: there is no default secret.
/// </summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    private string? _fromFile;

    /// <summary>The token itself (from the environment: <c>Api__Token</c>). Never logged.</summary>
    public string? Token { get; set; }

    /// <summary>A file holding the token (first line), e.g. a systemd credential.</summary>
    public string? TokenFile { get; set; }

    /// <summary>The token in force, or null when none is configured. The file is read once, at the first call (the start's validation).</summary>
    public string? ResolveToken()
    {
        if (!string.IsNullOrEmpty(Token))
        {
            return Token;
        }

        if (string.IsNullOrEmpty(TokenFile))
        {
            return null;
        }

        // Kept: every request with a bearer token asks. An empty file is an empty token, which the validator refuses.
        return _fromFile ??= File.ReadLines(TokenFile).FirstOrDefault()?.Trim() ?? "";
    }
}

public sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>
{
    /// <summary>Shorter tokens are guessable; 16 characters is the floor.</summary>
    public const int MinimumTokenLength = 16;

    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.Token) && !string.IsNullOrEmpty(options.TokenFile))
        {
            return ValidateOptionsResult.Fail("Api:Token and Api:TokenFile are both set; set one.");
        }

        if (!string.IsNullOrEmpty(options.TokenFile) && !File.Exists(options.TokenFile))
        {
            return ValidateOptionsResult.Fail($"Api:TokenFile '{options.TokenFile}' does not exist.");
        }

        var token = options.ResolveToken();
        return token is not null && token.Length < MinimumTokenLength
            ? ValidateOptionsResult.Fail($"The API token is shorter than {MinimumTokenLength} characters.")
            : ValidateOptionsResult.Success;
    }
}
