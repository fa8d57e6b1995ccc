namespace ImageFrames.Render;

/// <summary>A write-only, forward-only stream that keeps what was written until it is drained to the real output:
/// encoders that write synchronously (zip, zlib, PNG chunks) write here, and the response gets each piece
/// asynchronously (Kestrel refuses synchronous writes), so what is held is one piece, not the answer.</summary>
internal sealed class SpillStream : Stream
{
    private readonly MemoryStream _pending = new();
    private long _written;

    public async Task DrainAsync(Stream target, CancellationToken ct)
    {
        if (_pending.Length == 0) return;
        await target.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), ct).ConfigureAwait(false);
        _pending.SetLength(0);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _pending.Write(buffer);
        _written += buffer.Length;
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _written; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
