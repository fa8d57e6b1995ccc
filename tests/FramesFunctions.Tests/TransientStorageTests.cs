using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using ImageFrames.Functions;
using ImageFrames.Ingest;

namespace ImageFrames.Tests;

/// <summary>Storage faults are transient: the blob function throws so the host retries, the attempt is logged
/// as failed (so the reconcile sweep retries it later too), and nothing is stored or marked rejected.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TransientStorageTests(AzuriteFixture azurite) : IDisposable
{
    private readonly TempDatabase _db = new(o => { o.InputContainer = "tr-" + Guid.NewGuid().ToString("N")[..12]; o.ChunkSize = 100; });

    public void Dispose() => _db.Dispose();

    /// <summary>The connection drops 100 KB into a 600 KB blob, mid-ingest, with batches already written.</summary>
    [Fact]
    public async Task ABlobReadThatFailsMidStreamIsLoggedAsFailedAndThrown()
    {
        var csv = Encoding.UTF8.GetBytes(Csv.Header(100) + "\n" + string.Join("\n", Enumerable.Range(0, 2000).Select(i => Csv.Row(i.ToString(), Enumerable.Repeat(i % 256, 100)))) + "\n");
        var container = azurite.Blobs.GetBlobContainerClient(_db.Options.InputContainer);
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("dropped.csv").UploadAsync(new BinaryData(csv));
        var faulty = new BlobServiceClient(azurite.ConnectionString, new BlobClientOptions { Transport = new DropsAfter(100_000), Retry = { MaxRetries = 0 } });
        var blob = faulty.GetBlobContainerClient(container.Name).GetBlobClient("dropped.csv");

        var failure = await Assert.ThrowsAsync<IngestFailedException>(() => new IngestBlobFunction(_db.Ingest).Run(blob, default));

        Assert.Contains("connection dropped", failure.ToString());
        var attempt = Assert.Single(_db.Store.IngestionLog("dropped"));
        Assert.Equal(("failed", $"{container.Name}/dropped.csv"), (attempt.Status, attempt.Source));
        Assert.Null(_db.Store.FindDataset("dropped"));
        Assert.Equal(0L, _db.StoredRows()); // the written batches were removed
    }

    [Fact]
    public async Task UnreachableStorageMakesTheFunctionThrowForARetry()
    {
        var options = new BlobClientOptions { Retry = { MaxRetries = 0, NetworkTimeout = TimeSpan.FromSeconds(2) } };
        var unreachable = new BlobServiceClient(AzuriteFixture.DevelopmentAccount(9, 9, 9), options); // port 9: discard, nothing listens
        var blob = unreachable.GetBlobContainerClient("frames-input").GetBlobClient("x.csv");

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => new IngestBlobFunction(_db.Ingest).Run(blob, default));
        Assert.Empty(_db.Store.IngestionLog());
    }

    /// <summary>A real HTTP transport whose response bodies break after <paramref name="bytes"/> bytes.</summary>
    private sealed class DropsAfter(int bytes) : HttpPipelineTransport
    {
        private readonly HttpClientTransport _inner = new();

        public override Request CreateRequest() => _inner.CreateRequest();

        public override void Process(HttpMessage message)
        {
            _inner.Process(message);
            Wrap(message);
        }

        public override async ValueTask ProcessAsync(HttpMessage message)
        {
            await _inner.ProcessAsync(message);
            Wrap(message);
        }

        private void Wrap(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Get && message.Response.ContentStream is { } body)
                message.Response.ContentStream = new Breaking(body, bytes);
        }
    }

    private sealed class Breaking(Stream inner, int limit) : Stream
    {
        private int _read;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_read >= limit) throw new IOException("connection dropped (test)");
            var n = inner.Read(buffer[..Math.Min(buffer.Length, limit - _read)]);
            _read += n;
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= limit) throw new IOException("connection dropped (test)");
            var n = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, limit - _read)], cancellationToken);
            _read += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
