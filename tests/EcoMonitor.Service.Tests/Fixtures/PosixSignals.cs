using System.Runtime.InteropServices;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// Sends a POSIX signal to a process. .NET's <c>Process.Kill</c> only sends SIGKILL; a graceful
/// stop (what systemd, Docker and Kubernetes do first) is SIGTERM.
/// </summary>
public static partial class PosixSignals
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private const int NoSuchProcess = 3; // ESRCH

    /// <summary>Sends <paramref name="signal"/>; false if the process is already gone.</summary>
    public static bool Send(int pid, int signal)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("POSIX signals need Linux or macOS.");
        }

        if (Kill(pid, signal) == 0)
        {
            return true;
        }

        var errno = Marshal.GetLastPInvokeError();
        return errno == NoSuchProcess
            ? false
            : throw new InvalidOperationException($"kill({pid}, {signal}) failed with errno {errno}.");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
