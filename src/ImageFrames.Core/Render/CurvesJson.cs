using ImageFrames.Serve;
using ImageFrames.Store;

namespace ImageFrames.Render;

/// <summary>
/// A curves window as JSON: <c>{"dataset","depth_unit","count","depths":[…],"curves":[{"name","long_name","units",
/// "values":[…]}]}</c>, one array per curve (what plotting and NumPy code wants), null for an absent sample.
/// </summary>
public static class CurvesJson
{
    /// <summary>The answer, whole, or written to the response as it is produced when it may be bigger than
    /// <paramref name="maxBuffered"/> bytes (see <see cref="ApiResponse.JsonInSteps"/>).</summary>
    public static ApiResponse Answer(CurveWindow window, DatasetValues? values, long maxBuffered) =>
        ApiResponse.JsonInSteps(json => Steps(json, window, values), streamed: WorstCaseBytes(window) > maxBuffered);

    /// <summary>The most bytes the answer can take: 25 characters a number (the longest round-trip double and a comma).</summary>
    private static long WorstCaseBytes(CurveWindow window) => 1024 + (long)window.Depths.Length * (window.Curves + 1) * 25 + window.Curves * 512;

    private static IEnumerable<int> Steps(System.Text.Json.Utf8JsonWriter json, CurveWindow window, DatasetValues? values)
    {
        var curves = values?.Curves ?? [];
        json.WriteStartObject();
        json.WriteString("dataset", window.Dataset.Id);
        json.WriteNumber("version", window.Dataset.Version);
        if (values is not null) json.WriteString("depth_unit", values.DepthUnit);
        json.WriteNumber("count", window.Depths.Length);
        json.WriteStartArray("depths");
        for (var r = 0; r < window.Depths.Length; r++)
        {
            json.WriteNumberValue(window.Depths[r]);
            if (r % RowsAStep == RowsAStep - 1) yield return r;
        }
        json.WriteEndArray();
        json.WriteStartArray("curves");
        for (var c = 0; c < window.Curves; c++)
        {
            json.WriteStartObject();
            json.WriteString("name", curves[c].Name);
            json.WriteString("long_name", curves[c].LongName);
            json.WriteString("units", curves[c].Units);
            json.WriteStartArray("values");
            for (var r = 0; r < window.Depths.Length; r++)
            {
                var v = window.Value(r, c);
                if (double.IsNaN(v)) json.WriteNullValue();
                else json.WriteNumberValue(v);
                if (r % RowsAStep == RowsAStep - 1) yield return r;
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>Numbers written between two chances to send (a few KB).</summary>
    private const int RowsAStep = 256;
}
