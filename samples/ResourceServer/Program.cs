namespace ResourceServer;

/// <summary>The sample's entry point (a named class, so that it never clashes with another app's <c>Program</c>).</summary>
public static class EntryPoint
{
    public static Task Main(string[] args) => ResourceServerApp.Create(args).RunAsync();
}
