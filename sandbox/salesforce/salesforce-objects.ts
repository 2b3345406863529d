/** The type of a simulated sObject field, deciding how values are checked and compared. */
export type SalesforceFieldType = 'id' | 'string' | 'email' | 'double' | 'boolean' | 'datetime' | 'picklist' | 'reference';

/** One field of a simulated sObject. */
export interface SalesforceField {
  name: string;
  type: SalesforceFieldType;
  /** Required on create (nillable false, no default). */
  required?: boolean;
  /** Set by the system: writes are refused. */
  readOnly?: boolean;
  /** An external id usable for upsert (unique). */
  externalId?: boolean;
  length?: number;
  default?: unknown;
}

/** A simulated sObject type. */
export interface SalesforceObject {
  name: string;
  keyPrefix: string;
  fields: SalesforceField[];
}

const system: SalesforceField[] = [
  { name: 'Id', type: 'id', readOnly: true },
  { name: 'IsDeleted', type: 'boolean', readOnly: true, default: false },
  { name: 'OwnerId', type: 'reference', readOnly: true, default: '0055g00000SandBXAAQ' },
  { name: 'CreatedDate', type: 'datetime', readOnly: true },
  { name: 'LastModifiedDate', type: 'datetime', readOnly: true },
  { name: 'SystemModstamp', type: 'datetime', readOnly: true },
];

/** Lead, Contact and Account with the fields the sandbox knows (custom fields end in __c). */
export const salesforceObjects: SalesforceObject[] = [
  {
    name: 'Lead',
    keyPrefix: '00Q',
    fields: [
      ...system,
      { name: 'FirstName', type: 'string', length: 40 },
      { name: 'LastName', type: 'string', required: true, length: 80 },
      { name: 'Company', type: 'string', required: true, length: 255 },
      { name: 'Email', type: 'email', length: 80 },
      { name: 'Phone', type: 'string', length: 40 },
      { name: 'Title', type: 'string', length: 128 },
      { name: 'Status', type: 'picklist', length: 255, default: 'Open - Not Contacted' },
      { name: 'LeadSource', type: 'picklist', length: 255 },
      { name: 'Industry', type: 'picklist', length: 255 },
      { name: 'Description', type: 'string', length: 32000 },
      { name: 'LeadScore__c', type: 'double' },
      { name: 'External_Id__c', type: 'string', externalId: true, length: 255 },
    ],
  },
  {
    name: 'Contact',
    keyPrefix: '003',
    fields: [
      ...system,
      { name: 'FirstName', type: 'string', length: 40 },
      { name: 'LastName', type: 'string', required: true, length: 80 },
      { name: 'Email', type: 'email', length: 80 },
      { name: 'Phone', type: 'string', length: 40 },
      { name: 'Title', type: 'string', length: 128 },
      { name: 'AccountId', type: 'reference' },
      { name: 'Description', type: 'string', length: 32000 },
      { name: 'External_Id__c', type: 'string', externalId: true, length: 255 },
    ],
  },
  {
    name: 'Account',
    keyPrefix: '001',
    fields: [
      ...system,
      { name: 'Name', type: 'string', required: true, length: 255 },
      { name: 'Website', type: 'string', length: 255 },
      { name: 'Phone', type: 'string', length: 40 },
      { name: 'Industry', type: 'picklist', length: 255 },
      { name: 'AnnualRevenue', type: 'double' },
      { name: 'Description', type: 'string', length: 32000 },
      { name: 'External_Id__c', type: 'string', externalId: true, length: 255 },
    ],
  },
];
