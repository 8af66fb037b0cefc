namespace TokenService.Hosting;

/// <summary>Swagger UI at <c>/swagger</c> and the OpenAPI document at <c>/swagger/v1/swagger.json</c>.</summary>
public static class OpenApiExtensions
{
    public static IHostApplicationBuilder AddTokenServiceOpenApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddEndpointsApiExplorer();
        builder.Services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new() { Title = "TokenService", Version = "v1" });
        });
        return builder;
    }

    public static WebApplication UseTokenServiceOpenApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSwagger();
        app.UseSwaggerUI();
        return app;
    }
}
