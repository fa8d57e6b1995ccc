using System.Globalization;
using System.Text;

namespace ImageFrames.Tests;

/// <summary>
/// Writes LAS 2.0 text the way logging software exports image logs: ~VERSION, ~WELL (with NULL), ~CURVE with the
/// index first, then ~A one depth step a line (or wrapped at <see cref="WrapAt"/> values a line).
/// </summary>
internal sealed class LasText
{
    public List<(string Mnemonic, string Unit, string Description)> Curves { get; } = [];
    public List<double[]> Rows { get; } = [];
    public double Null { get; init; } = -999.25;
    public string Version { get; init; } = "2.0";
    public int? WrapAt { get; init; }
    public string Well { get; init; } = "SYNTH-WELL-9";

    public LasText Curve(string mnemonic, string unit, string description = "") { Curves.Add((mnemonic, unit, description)); return this; }

    public LasText Image(Func<int, string> name, int count, string unit, string description = "image column")
    {
        for (var i = 1; i <= count; i++) Curve(name(i), unit, $"{description} {i}");
        return this;
    }

    public LasText Row(params double[] values) { Rows.Add(values); return this; }

    public override string ToString()
    {
        var text = new StringBuilder();
        var step = Rows.Count > 1 ? Rows[1][0] - Rows[0][0] : 0;
        text.Append($"~VERSION INFORMATION\n VERS.   {Version} : CWLS LOG ASCII STANDARD\n WRAP.   {(WrapAt is null ? "NO" : "YES")} : lines per depth step\n");
        text.Append("~WELL INFORMATION\n#MNEM.UNIT   DATA   : DESCRIPTION\n");
        text.Append($" STRT.{Curves[0].Unit}  {F(Rows.Count > 0 ? Rows[0][0] : 0)} : START DEPTH\n STOP.{Curves[0].Unit}  {F(Rows.Count > 0 ? Rows[^1][0] : 0)} : STOP DEPTH\n");
        text.Append($" STEP.{Curves[0].Unit}  {F(step)} : STEP\n NULL.  {F(Null)} : NULL VALUE\n COMP.  ANY LOGGING CO : COMPANY\n WELL.  {Well} : WELL\n FLD .  WILDCAT : FIELD\n");
        text.Append("~CURVE INFORMATION\n");
        foreach (var (mnemonic, unit, description) in Curves) text.Append($" {mnemonic,-10}.{unit,-6}  : {description}\n");
        text.Append("~PARAMETER INFORMATION\n BHT .DEGC   35.5 : BOTTOM HOLE TEMPERATURE\n~OTHER\n free text: ~A is not here.\n");
        text.Append("~A  ").Append(string.Join(" ", Curves.Select(c => c.Mnemonic))).Append('\n');
        foreach (var row in Rows)
        {
            if (WrapAt is { } wrap)
            {
                text.Append(F(row[0])).Append('\n');
                foreach (var chunk in row.Skip(1).Chunk(wrap)) text.Append(' ').Append(string.Join(' ', chunk.Select(F))).Append('\n');
            }
            else text.Append(string.Join(' ', row.Select(F))).Append('\n');
        }
        return text.ToString();
    }

    private static string F(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public byte[] ToBytes() => Encoding.UTF8.GetBytes(ToString());
}
