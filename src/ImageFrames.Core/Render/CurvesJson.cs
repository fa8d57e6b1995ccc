using ImageFrames.Serve;
using ImageFrames.Store;

namespace ImageFrames.Render;

/// <summary>
/// A curves window as JSON: <c>{"dataset","depth_unit","count","depths":[…],"curves":[{"name","long_name","units",
/// "values":[…]}]}</c>, one array per curve (what plotting and NumPy code wants), null for an absent sample.
/// </summary>
public static class CurvesJson
{
    public static ApiResponse Write(CurveWindow window, DatasetValues? values) => ApiResponse.Json(json =>
    {
        var curves = values?.Curves ?? [];
        json.WriteStartObject();
        json.WriteString("dataset", window.Dataset.Id);
        json.WriteNumber("version", window.Dataset.Version);
        if (values is not null) json.WriteString("depth_unit", values.DepthUnit);
        json.WriteNumber("count", window.Depths.Length);
        json.WriteStartArray("depths");
        foreach (var depth in window.Depths) json.WriteNumberValue(depth);
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
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });
}
