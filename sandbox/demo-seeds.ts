/** Records the simulators hold when started for a demo (`sluice sandbox`), so streams have something to read. */
export const demoSeeds = {
  salesforce: {
    Lead: [
      { FirstName: 'Aiko', LastName: 'Tanaka', Company: 'Kumo Analytics', Email: 'aiko@kumo.example', LeadScore__c: 72, LastModifiedDate: '2024-05-01T09:00:00.000+0000', CreatedDate: '2024-05-01T09:00:00.000+0000' },
      { FirstName: 'Ben', LastName: 'Okafor', Company: 'Delta Freight', Email: 'ben@delta.example', LeadScore__c: 35, LastModifiedDate: '2024-05-02T10:30:00.000+0000', CreatedDate: '2024-05-02T10:30:00.000+0000' },
      { FirstName: 'Chloe', LastName: 'Martin', Company: 'Atelier Nord', Email: 'chloe@nord.example', LeadScore__c: null, LastModifiedDate: '2024-05-03T08:15:00.000+0000', CreatedDate: '2024-05-03T08:15:00.000+0000' },
      { FirstName: 'Diego', LastName: 'Ruiz', Company: 'Sol Energy', Email: 'diego@sol.example', LeadScore__c: 90, LastModifiedDate: '2024-05-04T16:45:00.000+0000', CreatedDate: '2024-05-04T16:45:00.000+0000' },
    ],
  },
  hubspot: {
    contacts: [
      { email: 'aiko@kumo.example', firstname: 'Aiko', lastname: 'Tanaka', company: 'Kumo Analytics', lifecyclestage: 'lead' },
      { email: 'ben@delta.example', firstname: 'Ben', lastname: 'Okafor', company: 'Delta Freight', lifecyclestage: 'customer' },
    ],
  },
  bigcommerce: {
    customers: [
      { email: 'aiko@kumo.example', first_name: 'Aiko', last_name: 'Tanaka', company: 'Kumo Analytics', date_created: '2024-04-20T12:00:00Z' },
      { email: 'ben@delta.example', first_name: 'Ben', last_name: 'Okafor', company: 'Delta Freight', date_created: '2024-04-21T12:00:00Z' },
      { email: 'erin@fjord.example', first_name: 'Erin', last_name: 'Berg', company: 'Fjord Supply', date_created: '2024-04-22T12:00:00Z' },
    ],
  },
};
