using EcoMonitor.Runtime.Health;

namespace EcoMonitor.Runtime.Files;

/// <summary>
/// Replaces a small file whole: written to a temporary file beside it, fsynced, renamed over it,
/// so a crash leaves the old content or the new, never half. A write the disk refuses deletes the
/// temporary file (on a full disk it would only take the space that is missing) and rethrows.
/// </summary>
public static class AtomicFile
{
    /// <exception cref="IOException">The disk refused the write (e.g. full).</exception>
    /// <exception cref="UnauthorizedAccessException">The directory is not writable.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        var temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (DiskStores.IsWriteFailure(ex))
        {
            File.Delete(temp);
            throw;
        }
    }
}
