using System.IO.Hashing;
using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;

namespace ImageFrames.Store;

/// <summary>
/// The header of a SQLite database's WAL index (its <c>-shm</c> file, shared memory every connection to the
/// database maps), read without SQLite: what a reader consults to see which commits are visible. Every commit
/// rewrites it (the last frame, its checksum, the header's checksum), and so does a restart of the WAL, so a
/// hash of it changes exactly when something may have become visible. Layout (sqlite.org/walformat.html §2.1):
/// two copies of a 48-byte header at offsets 0 and 48; a writer writes the second copy, then the first; a reader
/// that finds them different is racing a writer and must not trust either.
/// </summary>
internal sealed class WalIndexHeader : IDisposable
{
    private const int HeaderBytes = 48, Longs = HeaderBytes / sizeof(long), IsInitOffset = 12;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;

    private WalIndexHeader(MemoryMappedFile file, MemoryMappedViewAccessor view) => (_file, _view) = (file, view);

    /// <summary>Maps the WAL index of the database at <paramref name="databasePath"/>; null when it has none (not in
    /// WAL mode, or no connection has read it yet). Keep a connection to the database open while this is in use:
    /// SQLite deletes the file when its last connection closes.</summary>
    public static WalIndexHeader? Open(string databasePath)
    {
        try
        {
            var path = databasePath + "-shm";
            if (!File.Exists(path) || new FileInfo(path).Length < 2 * HeaderBytes) return null;
            var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var file = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            return new WalIndexHeader(file, file.CreateViewAccessor(0, 2 * HeaderBytes, MemoryMappedFileAccess.Read));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A hash of the header, or false while a writer is rewriting it (the copies differ) or before SQLite
    /// initialised it; the caller then asks SQLite itself.</summary>
    public bool TryRead(out ulong stamp)
    {
        Span<long> first = stackalloc long[Longs], second = stackalloc long[Longs];
        for (var i = 0; i < Longs; i++) first[i] = _view.ReadInt64(i * sizeof(long));
        Interlocked.MemoryBarrier(); // the first copy before the second, as SQLite's own readers (the writer writes them in the other order)
        for (var i = 0; i < Longs; i++) second[i] = _view.ReadInt64(HeaderBytes + i * sizeof(long));
        var bytes = MemoryMarshal.AsBytes(first);
        if (!first.SequenceEqual(second) || bytes[IsInitOffset] == 0)
        {
            stamp = 0;
            return false;
        }
        stamp = XxHash64.HashToUInt64(bytes);
        return true;
    }

    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}
