using System.Diagnostics;
using System.Globalization;

namespace EcoMonitor.Service.Tests.Fixtures;

/// <summary>
/// A real, small file system: a size-limited tmpfs mounted on a temporary directory (the tests run
/// as root), that a test fills up with a filler file to get ENOSPC from the kernel, and empties
/// again to give the space back. Where mounting is refused (no root, a container without
/// CAP_SYS_ADMIN) the test is skipped with the reason. Unmounted on dispose.
/// </summary>
public sealed class SmallFileSystem : IDisposable
{
    private const int ChunkBytes = 64 * 1024;

    private readonly bool _ownsRoot;

    private SmallFileSystem(DirectoryInfo root, bool ownsRoot)
    {
        Root = root;
        _ownsRoot = ownsRoot;
    }

    public DirectoryInfo Root { get; }

    private string FillerPath => Path.Combine(Root.FullName, "filler");

    /// <summary>
    /// Mounts a tmpfs of <paramref name="bytes"/> (rounded up to pages) on <paramref name="at"/>, an
    /// empty directory (a new temporary one when null), or skips the test.
    /// </summary>
    public static SmallFileSystem MountOrSkip(long bytes, string? at = null)
    {
        var root = at is null ? Directory.CreateTempSubdirectory("ecomonitor-smallfs-") : new DirectoryInfo(at);
        var (exitCode, output) = Run("mount", "-t", "tmpfs", "-o", string.Create(CultureInfo.InvariantCulture, $"size={bytes},mode=0777"), "tmpfs", root.FullName);
        if (exitCode != 0)
        {
            if (at is null)
            {
                root.Delete();
            }

            Assert.Skip($"this test needs a size-limited tmpfs (mount -t tmpfs, as root) and mounting was refused (exit {exitCode}): {output.Trim()}");
        }

        return new SmallFileSystem(root, ownsRoot: at is null);
    }

    /// <summary>Bytes still free for files.</summary>
    public long FreeBytes => new DriveInfo(Root.FullName).AvailableFreeSpace;

    /// <summary>
    /// Writes the filler file until the kernel answers ENOSPC, then gives back
    /// <paramref name="leaveFree"/> bytes of it.
    /// </summary>
    public void Fill(long leaveFree = 0)
    {
        var chunk = new byte[ChunkBytes];
        using var filler = new FileStream(FillerPath, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        try
        {
            while (true)
            {
                filler.Write(chunk);
            }
        }
        catch (IOException)
        {
            // Full.
        }

        if (leaveFree > 0)
        {
            filler.SetLength(Math.Max(0, filler.Length - leaveFree));
        }
    }

    /// <summary>Deletes the filler file: its space is free again.</summary>
    public void Free() => File.Delete(FillerPath);

    public void Dispose()
    {
        // A lazy unmount as the fallback: a process that still has a file open must not leave
        // the mount behind.
        if (Run("umount", Root.FullName).ExitCode != 0)
        {
            Run("umount", "-l", Root.FullName);
        }

        if (!_ownsRoot)
        {
            return;
        }

        try
        {
            Root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static (int ExitCode, string Output) Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output.Result + error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, $"{command}: {ex.Message}");
        }
    }
}
