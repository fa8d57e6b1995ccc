using System.Security.Cryptography;

namespace ImageFrames.Parse;

/// <summary>
/// A read-only pass-through over the incoming CSV that hashes (SHA-256) and counts every byte as it streams
/// by, enforces the size limit before the bytes are parsed, and refuses binary content early, so none of
/// those checks needs the file buffered.
/// </summary>
public sealed class CheckedInputStream(Stream inner, long maxBytes) : Stream
{
    private const int BinarySniffBytes = 8192;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long BytesRead { get; private set; }

    /// <summary>Lower-case hex SHA-256 of everything read; call once, after the last read.</summary>
    public string FinishHash() => Convert.ToHexStringLower(_sha256.GetHashAndReset());

    public override int Read(Span<byte> buffer) => Observe(buffer[..inner.Read(buffer)]);
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        return Observe(buffer.Span[..read]);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Observe(ReadOnlySpan<byte> chunk)
    {
        if (BytesRead < BinarySniffBytes)
        {
            var sniff = chunk[..(int)Math.Min(chunk.Length, BinarySniffBytes - BytesRead)];
            var nul = sniff.IndexOf((byte)0);
            if (nul >= 0)
                throw new CsvRejectedException($"the file is binary (a NUL byte at offset {BytesRead + nul}); expected UTF-8 CSV text");
        }
        BytesRead += chunk.Length;
        if (BytesRead > maxBytes)
            throw new CsvRejectedException($"the file is larger than the {maxBytes:N0}-byte limit (FRAMES_MAX_CSV_BYTES)");
        _sha256.AppendData(chunk);
        return chunk.Length;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _sha256.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
