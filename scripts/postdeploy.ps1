# azd postdeploy hook (Windows): the same steps as postdeploy.sh — subscribe the function app's Event Grid-sourced
# blob trigger (IngestBlobEventGrid) to the storage account's BlobCreated events for the input container.
# Idempotent: re-running updates the subscription. The blobs extension key appears only once the app has started.
$ErrorActionPreference = 'Stop'

foreach ($name in 'AZURE_RESOURCE_GROUP', 'AZURE_FUNCTION_APP_NAME', 'EVENT_GRID_SYSTEM_TOPIC_NAME', 'FRAMES_INPUT_CONTAINER') {
    if (-not [Environment]::GetEnvironmentVariable($name)) { throw "$name is not set: run through azd, or set the Bicep outputs" }
}
$group = $env:AZURE_RESOURCE_GROUP
$app = $env:AZURE_FUNCTION_APP_NAME
$functionName = 'IngestBlobEventGrid'

$key = ''
for ($attempt = 1; -not $key; $attempt++) {
    $key = az functionapp keys list --resource-group $group --name $app --query 'systemKeys.blobs_extension' --output tsv 2>$null
    if (-not $key) {
        if ($attempt -ge 30) { throw "The blobs_extension key did not appear within 5 minutes: is the app running?" }
        Write-Host "Waiting for the app to register its blobs webhook ($attempt/30)..."
        Start-Sleep -Seconds 10
    }
}

$hostName = az functionapp show --resource-group $group --name $app --query defaultHostName --output tsv
$endpoint = "https://$hostName/runtime/webhooks/blobs?functionName=Host.Functions.$functionName&code=$key"

az eventgrid system-topic event-subscription create `
    --name ingest-blob-created `
    --resource-group $group `
    --system-topic-name $env:EVENT_GRID_SYSTEM_TOPIC_NAME `
    --endpoint-type webhook `
    --endpoint $endpoint `
    --included-event-types Microsoft.Storage.BlobCreated `
    --subject-begins-with "/blobServices/default/containers/$($env:FRAMES_INPUT_CONTAINER)/" `
    --event-delivery-schema EventGridSchema `
    --output none
if ($LASTEXITCODE -ne 0) { throw "creating the Event Grid subscription failed" }

Write-Host "Subscribed $functionName to BlobCreated in container '$($env:FRAMES_INPUT_CONTAINER)'."
