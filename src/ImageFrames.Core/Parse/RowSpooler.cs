using System.Threading.Channels;
using ImageFrames.Resize;

namespace ImageFrames.Parse;

/// <summary>
/// The second half of reading a log file, on a thread of its own: a reader (DLIS, LAS) decodes each row's values
/// into a block here and resizes them to the stored width as it adds the row (<see cref="ValueRowResizer"/>); while
/// it reads the next rows, this appends the block's rows to their channels' spools, which also builds each
/// channel's histogram. The work splits about evenly (reading and resizing; histogram and spool file), so on two
/// cores the two halves overlap. Memory: four blocks of under a megabyte.
/// </summary>
public sealed class RowSpooler
{
    private const int BlockRows = 512, BlockDoubles = 1 << 16, Blocks = 4;

    private sealed class Block(int width)
    {
        public double[] Data = new double[BlockDoubles];
        public int Used;
        public readonly float[] Resized = new float[BlockRows * width];
        public readonly List<Row> Rows = new(BlockRows);
        public bool IsFull => Rows.Count >= BlockRows || Used >= BlockDoubles * 3 / 4;
    }

    private readonly record struct Row(ImageChannelSpool Spool, double Depth, int Frame, int CurvesAt);

    private readonly Channel<Block> _full = Channel.CreateBounded<Block>(Blocks);
    private readonly Channel<Block> _free = Channel.CreateUnbounded<Block>();
    private readonly int _width;
    private readonly Task _spooling;
    private readonly Dictionary<int, ValueRowResizer> _resizers = [];
    private Block _block;
    private int _allocated = 1;

    public RowSpooler(int targetWidth)
    {
        _width = targetWidth;
        _block = new Block(targetWidth);
        _spooling = Task.Run(SpoolAsync);
    }

    /// <summary>Room for <paramref name="count"/> values in the current block, at <paramref name="at"/>; fill it
    /// before the next call (a later reservation may move the block's values).</summary>
    public Span<double> Reserve(int count, out int at)
    {
        if (_block.Used + count > _block.Data.Length) Array.Resize(ref _block.Data, Math.Max(_block.Data.Length * 2, _block.Used + count));
        at = _block.Used;
        _block.Used += count;
        return _block.Data.AsSpan(at, count);
    }

    /// <summary>A row whose curves (<see cref="ImageChannelSpool.Curves"/> of them) and values were reserved at the
    /// given places, the last reservation: its values are resized now, and their room is reserved again.</summary>
    public void Add(ImageChannelSpool spool, double depth, int frame, int curvesAt, int valuesAt, int samples)
    {
        if (!_resizers.TryGetValue(samples, out var resizer)) _resizers[samples] = resizer = new ValueRowResizer(samples, _width);
        resizer.Resize(_block.Data.AsSpan(valuesAt, samples), _block.Resized.AsSpan(_block.Rows.Count * _width, _width));
        _block.Used = valuesAt;
        _block.Rows.Add(new Row(spool, depth, frame, curvesAt));
    }

    /// <summary>Hands the current block over once it is full.</summary>
    public ValueTask FlushIfFullAsync(CancellationToken ct) => _block.IsFull ? SendAsync(ct) : ValueTask.CompletedTask;

    /// <summary>Hands over the last rows and returns once every row is in its spool (or throws what failed there).</summary>
    public async Task CompleteAsync(CancellationToken ct)
    {
        if (_block.Rows.Count > 0) await SendAsync(ct).ConfigureAwait(false);
        _full.Writer.TryComplete();
        await _spooling.ConfigureAwait(false);
    }

    /// <summary>Stops after a failure of the reader: the rows not yet spooled are dropped.</summary>
    public async Task AbandonAsync()
    {
        _full.Writer.TryComplete();
        try { await _spooling.ConfigureAwait(false); }
        catch { /* the reader's failure is the one to report */ }
    }

    private async ValueTask SendAsync(CancellationToken ct)
    {
        try
        {
            await _full.Writer.WriteAsync(_block, ct).ConfigureAwait(false);
            _block = _free.Reader.TryRead(out var free) ? free
                : _allocated++ < Blocks ? new Block(_width)
                : await _free.Reader.ReadAsync(ct).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            await _spooling.ConfigureAwait(false); // closed by a failure of the spooling side: throw that
            throw;
        }
    }

    private async Task SpoolAsync()
    {
        try
        {
            await foreach (var block in _full.Reader.ReadAllAsync().ConfigureAwait(false))
            {
                for (var r = 0; r < block.Rows.Count; r++)
                {
                    var row = block.Rows[r];
                    row.Spool.Append(row.Depth, row.Frame, block.Data.AsSpan(row.CurvesAt, row.Spool.Curves.Count), block.Resized.AsSpan(r * _width, _width));
                }
                block.Used = 0;
                block.Rows.Clear();
                _free.Writer.TryWrite(block);
            }
        }
        catch (Exception e)
        {
            _full.Writer.TryComplete(e); // the reader, waiting to hand over a block or for a free one, stops
            _free.Writer.TryComplete(e);
            throw;
        }
    }
}
