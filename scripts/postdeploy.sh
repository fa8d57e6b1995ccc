#!/bin/sh
# azd postdeploy hook: subscribe the function app's Event Grid-sourced blob trigger (IngestBlobEventGrid) to the
# storage account's BlobCreated events for the input container. Idempotent: re-running updates the subscription.
# The blobs extension creates its webhook key only once the deployed app has started, so the key is polled for.
# Reads azd's environment (the Bicep outputs): AZURE_RESOURCE_GROUP, AZURE_FUNCTION_APP_NAME,
# EVENT_GRID_SYSTEM_TOPIC_NAME, FRAMES_INPUT_CONTAINER.
set -eu

: "${AZURE_RESOURCE_GROUP:?run through azd, or export the Bicep outputs}"
: "${AZURE_FUNCTION_APP_NAME:?}"
: "${EVENT_GRID_SYSTEM_TOPIC_NAME:?}"
: "${FRAMES_INPUT_CONTAINER:?}"

function_name="IngestBlobEventGrid"
key=""
attempt=0
while [ -z "$key" ]; do
  attempt=$((attempt + 1))
  key=$(az functionapp keys list --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" \
          --query "systemKeys.blobs_extension" --output tsv 2>/dev/null || true)
  if [ -z "$key" ]; then
    if [ "$attempt" -ge 30 ]; then
      echo "The blobs_extension key did not appear within 5 minutes: is the app running? (az functionapp show -g $AZURE_RESOURCE_GROUP -n $AZURE_FUNCTION_APP_NAME)" >&2
      exit 1
    fi
    echo "Waiting for the app to register its blobs webhook ($attempt/30)..."
    sleep 10
  fi
done

host=$(az functionapp show --resource-group "$AZURE_RESOURCE_GROUP" --name "$AZURE_FUNCTION_APP_NAME" --query defaultHostName --output tsv)
endpoint="https://$host/runtime/webhooks/blobs?functionName=Host.Functions.$function_name&code=$key"

# create is a PUT: it creates the subscription, or updates it to this endpoint and filter when it exists.
az eventgrid system-topic event-subscription create \
  --name ingest-blob-created \
  --resource-group "$AZURE_RESOURCE_GROUP" \
  --system-topic-name "$EVENT_GRID_SYSTEM_TOPIC_NAME" \
  --endpoint-type webhook \
  --endpoint "$endpoint" \
  --included-event-types Microsoft.Storage.BlobCreated \
  --subject-begins-with "/blobServices/default/containers/$FRAMES_INPUT_CONTAINER/" \
  --event-delivery-schema EventGridSchema \
  --output none

echo "Subscribed $function_name to BlobCreated in container '$FRAMES_INPUT_CONTAINER'."
