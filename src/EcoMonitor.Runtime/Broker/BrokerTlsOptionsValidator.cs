using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Options;

namespace EcoMonitor.Runtime.Broker;

/// <summary>
/// The TLS settings of the broker connection, checked at start (docs/mqtt.md#tls): the files are
/// there and load, a client certificate comes with its key, and neither is set without
/// <c>Mqtt:UseTls</c>, where it would be ignored. Registered for each options type that binds the
/// <c>Mqtt</c> section, so that check-config reports the problems of the most derived one once.
/// </summary>
public sealed class BrokerTlsOptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : MqttConnectionOptions
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        var hasCa = !string.IsNullOrEmpty(options.CaFile);
        var hasCertificate = !string.IsNullOrEmpty(options.ClientCertificateFile);
        var hasKey = !string.IsNullOrEmpty(options.ClientKeyFile);

        if (!options.UseTls)
        {
            if (hasCa)
            {
                problems.Add("Mqtt:CaFile is set but Mqtt:UseTls is false: the connection would not use TLS; set Mqtt:UseTls=true or remove Mqtt:CaFile");
            }

            if (hasCertificate || hasKey)
            {
                problems.Add("Mqtt:ClientCertificateFile and Mqtt:ClientKeyFile need Mqtt:UseTls=true: a client certificate is presented only over TLS");
            }

            return Result(problems);
        }

        if (hasCa)
        {
            CheckCaFile(options.CaFile!, problems);
        }

        if (hasCertificate != hasKey)
        {
            problems.Add(hasCertificate
                ? "Mqtt:ClientCertificateFile is set without Mqtt:ClientKeyFile: set both (the certificate and its private key) or neither"
                : "Mqtt:ClientKeyFile is set without Mqtt:ClientCertificateFile: set both (the certificate and its private key) or neither");
        }
        else if (hasCertificate)
        {
            CheckClientPair(options.ClientCertificateFile!, options.ClientKeyFile!, problems);
        }

        return Result(problems);
    }

    private static void CheckCaFile(string path, List<string> problems)
    {
        if (!File.Exists(path))
        {
            problems.Add($"Mqtt:CaFile '{path}' does not exist");
            return;
        }

        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(path);
            if (certificates.Count == 0)
            {
                problems.Add($"Mqtt:CaFile '{path}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            problems.Add($"Mqtt:CaFile '{path}' cannot be read as PEM certificates: {ex.Message}");
        }
    }

    private static void CheckClientPair(string certificateFile, string keyFile, List<string> problems)
    {
        var missing = false;
        foreach (var (key, path) in new[] { ("Mqtt:ClientCertificateFile", certificateFile), ("Mqtt:ClientKeyFile", keyFile) })
        {
            if (!File.Exists(path))
            {
                problems.Add($"{key} '{path}' does not exist");
                missing = true;
            }
        }

        if (missing)
        {
            return;
        }

        try
        {
            using var certificate = BrokerClientFactory.LoadClientCertificate(certificateFile, keyFile);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            problems.Add($"Mqtt:ClientCertificateFile '{certificateFile}' and Mqtt:ClientKeyFile '{keyFile}' do not load as a PEM certificate and its unencrypted private key: {ex.Message}");
        }
    }

    private static ValidateOptionsResult Result(List<string> problems) =>
        problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
}
