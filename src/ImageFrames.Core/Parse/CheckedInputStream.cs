using System.IO.Pipelines;
using System.Security.Cryptography;

namespace ImageFrames.Parse;

/// <summary>
/// A read-only pass-through over the incoming CSV that hashes (SHA-256) and counts every byte as it streams
/// by, enforces the size limit before the bytes are parsed, and refuses binary content early, so none of
/// those checks needs the file buffered. It reads ahead on a task of its own (about 4 MiB): the parser
/// never waits on the network or the disk, and hashing runs beside parsing instead of on its thread.
/// </summary>
public sealed class CheckedInputStream : Stream
{
    private const int BinarySniffBytes = 8192;
    private const int ReadSize = 256 << 10;
    private readonly Stream _inner;
    private readonly long _maxBytes;
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Pipe _ahead = new(new PipeOptions(pauseWriterThreshold: 4 << 20, resumeWriterThreshold: 2 << 20,
        minimumSegmentSize: ReadSize, useSynchronizationContext: false));
    private readonly Stream _reader;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _pump;
    private long _bytesRead;
    private int _disposed;

    private readonly bool _text;

    /// <summary><paramref name="text"/>: refuse a NUL byte early (CSV); false for binary formats (DLIS).</summary>
    public CheckedInputStream(Stream inner, long maxBytes, bool text = true)
    {
        (_inner, _maxBytes, _text) = (inner, maxBytes, text);
        _reader = _ahead.Reader.AsStream();
        _pump = Task.Run(PumpAsync);
    }

    /// <summary>Bytes read from the source so far (read ahead of the parser by about 4 MiB).</summary>
    public long BytesRead => Interlocked.Read(ref _bytesRead);

    /// <summary>Lower-case hex SHA-256 of the whole input; call once the parser has read to its end.</summary>
    public string FinishHash()
    {
        _pump.GetAwaiter().GetResult(); // done: the parser saw the end, which the pump writes last
        return Convert.ToHexStringLower(_sha256.GetHashAndReset());
    }

    public override int Read(Span<byte> buffer) => _reader.Read(buffer);
    public override int Read(byte[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _reader.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _reader.ReadAsync(buffer, offset, count, cancellationToken);

    /// <summary>Source → checks and hash → pipe, until the end of the source (or the first rejection or fault,
    /// which the parser then receives from its next read).</summary>
    private async Task PumpAsync()
    {
        var writer = _ahead.Writer;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(ReadSize);
                var read = await _inner.ReadAsync(memory, _stop.Token).ConfigureAwait(false);
                if (read == 0) break;
                Observe(memory.Span[..read]);
                writer.Advance(read);
                if ((await writer.FlushAsync(_stop.Token).ConfigureAwait(false)).IsCompleted) break; // the parser stopped
            }
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await writer.CompleteAsync(e).ConfigureAwait(false);
        }
    }

    private void Observe(ReadOnlySpan<byte> chunk)
    {
        if (_text && _bytesRead < BinarySniffBytes)
        {
            var sniff = chunk[..(int)Math.Min(chunk.Length, BinarySniffBytes - _bytesRead)];
            var nul = sniff.IndexOf((byte)0);
            if (nul >= 0)
                throw new CsvRejectedException($"the file is binary (a NUL byte at offset {_bytesRead + nul}); expected UTF-8 CSV text");
        }
        if (_bytesRead + chunk.Length > _maxBytes)
            throw new CsvRejectedException($"the file is larger than the {_maxBytes:N0}-byte limit (FRAMES_MAX_CSV_BYTES, which bounds every input file)");
        _sha256.AppendData(chunk);
        Interlocked.Add(ref _bytesRead, chunk.Length);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _ahead.Reader.CompleteAsync().ConfigureAwait(false);
        await _pump.ConfigureAwait(false); // it never throws: faults go into the pipe
        _sha256.Dispose();
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stop.Cancel();
            _ahead.Reader.Complete();
            _pump.GetAwaiter().GetResult();
            _sha256.Dispose();
            _stop.Dispose();
        }
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
