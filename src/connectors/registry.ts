import type { ConnectorDefinition } from './connector.ts';
import { csvConnector } from './csv/csv.connector.ts';
import { restConnector } from './rest/rest.connector.ts';
import { soapConnector } from './soap/soap.connector.ts';
import { fhirConnector } from './fhir/fhir.connector.ts';

/** Connector kinds a department's YAML may name; the ones not installed yet are listed for clear errors. */
export const KNOWN_CONNECTOR_KINDS = ['rest', 'soap', 'csv', 'fhir'] as const;

/** Connector kinds installed in this hub, by kind. */
export const INSTALLED_CONNECTORS: ReadonlyMap<string, ConnectorDefinition> = new Map<string, ConnectorDefinition>([
  [soapConnector.kind, soapConnector as unknown as ConnectorDefinition],
  [fhirConnector.kind, fhirConnector as unknown as ConnectorDefinition],
  [restConnector.kind, restConnector as unknown as ConnectorDefinition],
  [csvConnector.kind, csvConnector as unknown as ConnectorDefinition],
]);
