"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.globalConditionKeys = void 0;
exports.globalConditionKeys = [
    {
        key: 'aws:PrincipalTag/tag-key',
        category: 'principal',
        type: 'String',
        description: ''
    },
    {
        key: 'aws:SourceIp',
        category: 'network',
        type: 'IPAddress',
        description: ''
    },
    {
        key: 'aws:RequestTag/tag-key',
        category: 'request',
        type: 'String',
        description: ''
    },
    {
        key: 'aws:EpochTime',
        category: 'request',
        type: 'Date', //Can Also be Numeric...
        description: ''
    },
    {
        key: 'aws:referer',
        category: 'request',
        type: 'String',
        description: ''
    }
];
const globalConditionKeysByName = {};
//# sourceMappingURL=globalConditionKeys.js.map
